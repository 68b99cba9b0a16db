export default async function globalTeardown(): Promise<void> {
  const drop = (globalThis as Record<string, unknown>).__laphubDrop as (() => Promise<void>) | undefined;
  if (drop) await drop();
}
