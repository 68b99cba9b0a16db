// dateStyle and timeStyle cannot name the time zone: the parts one by one.
const dateTime = new Intl.DateTimeFormat(undefined, {
  year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short',
});
const date = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
const money = new Intl.NumberFormat(undefined, { style: 'currency', currency: 'USD', maximumFractionDigits: 0 });

/** A DateTimeISO (an ISO 8601 string) in the reader's time zone, zone named: calls join several countries. */
export const formatDateTime = (iso: string) => dateTime.format(new Date(iso));
export const formatDate = (iso: string) => date.format(new Date(iso));
export const formatUsd = (amount: number) => money.format(amount);

/** An enum value as words: LAW_ENFORCEMENT_ONLY → "law enforcement only". */
export const words = (value: string) => value.toLowerCase().replace(/_/g, ' ');
