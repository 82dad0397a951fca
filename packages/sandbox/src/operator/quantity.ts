// Kubernetes resource quantities ("1Gi", "500M", "1e9", "1536Mi") as the sandbox's CSI stand-ins read and write
// them for claim requests and PV capacities, following the grammar of k8s.io/apimachinery's resource.Quantity rather
// than the product's reading of it:
//   [+-] digits [. digits] suffix, where suffix is a binary SI one (Ki Mi Gi Ti Pi Ei, powers of 1024), a decimal SI
//   one (n u m "" k M G T P E, powers of 1000), or a decimal exponent (e or E followed by a signed integer).
// A bare "E" is the exa suffix; "E" followed by digits is an exponent. No surrounding blanks are allowed.
// The byte count is the quantity's Value(): rounded up to a whole number, away from zero. BigInt keeps fractions
// such as "0.05Gi" exact until that rounding. (apimachinery also caps values at the int64 range; disk sizes never
// come near it, so that is left out.)

const BINARY_SUFFIXES = ['Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'] as const;
const DECIMAL_SUFFIXES: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

const QUANTITY = /^([+-]?)(\d*)(?:\.(\d*))?(Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?\d+|[numkMGTPE]?)$/;

/** Bytes of a quantity, or undefined when the string is not a Kubernetes quantity. */
export function quantityToBytes(quantity: string | undefined): number | undefined {
  const m = QUANTITY.exec(quantity ?? '');
  if (!m) return undefined;
  const [, sign, whole, fraction = '', suffix] = m;
  if (whole === '' && fraction === '') return undefined; // a sign or a dot alone is no number
  let numerator = BigInt(`${whole}${fraction}` || '0');
  let denominator = 10n ** BigInt(fraction.length);
  const binary = BINARY_SUFFIXES.indexOf(suffix as (typeof BINARY_SUFFIXES)[number]);
  if (binary >= 0) {
    numerator *= 1024n ** BigInt(binary + 1);
  } else {
    // Decimal SI suffixes are one letter at most; anything longer is an exponent such as e9 or E+6.
    const exponent = suffix.length > 1 ? Number(suffix.slice(1)) : DECIMAL_SUFFIXES[suffix];
    if (exponent >= 0) numerator *= 10n ** BigInt(exponent);
    else denominator *= 10n ** BigInt(-exponent);
  }
  const roundedUp = (numerator + denominator - 1n) / denominator;
  const bytes = Number(roundedUp);
  return sign === '-' && bytes !== 0 ? -bytes : bytes;
}

/**
 * A byte count as the API server writes it back in canonical binary form: the largest power-of-1024 suffix that
 * divides it exactly ("1Gi", "1536Mi", "1Ti"), a plain number when none does ("1025"). Below 1024 the API server
 * switches to decimal SI, which only changes 1000 into "1k".
 */
export function bytesToQuantity(bytes: number): string {
  if (!Number.isSafeInteger(bytes) || bytes < 0) throw new RangeError(`not a byte count: ${bytes}`);
  if (bytes < 1024) return bytes === 1000 ? '1k' : String(bytes);
  let value = bytes;
  let power = 0;
  while (value % 1024 === 0 && power < BINARY_SUFFIXES.length) {
    value /= 1024;
    power++;
  }
  return power === 0 ? String(value) : `${value}${BINARY_SUFFIXES[power - 1]}`;
}
