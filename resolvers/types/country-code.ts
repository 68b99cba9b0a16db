/** An ISO 3166-1 alpha-2 country code as the network writes it (`GB`): every argument naming a country is checked so. */
export const COUNTRY_CODE = /^[A-Z]{2}$/;

/** What an argument that is not such a code is told (`COUNTRY_CODES_MESSAGE` for a list of them). */
export const COUNTRY_CODE_MESSAGE = 'must be an ISO 3166-1 alpha-2 code such as GB';
export const COUNTRY_CODES_MESSAGE = 'must be ISO 3166-1 alpha-2 codes such as GB';
