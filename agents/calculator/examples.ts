/** Requests that work, quoted when one does not. */
export const CALCULATOR_EXAMPLES = ['2+2*3', '17% of 2,340', 'sqrt(2)*pi', '5 km in miles']
