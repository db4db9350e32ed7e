/**
 * The Luhn (mod 10) check digit that Korean wallet payment barcodes and
 * membership numbers end with: it catches every single-digit misread and
 * most swaps of neighbours, which is what a scanner or a typing cashier gets wrong.
 */
export function luhnCheckDigit(body: string): number {
  let sum = 0;
  // The check digit will stand right of `body`, so doubling starts at body's last digit.
  let double = true;
  for (let i = body.length - 1; i >= 0; i--) {
    let d = body.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return (10 - (sum % 10)) % 10;
}

export function withCheckDigit(body: string): string {
  return body + String(luhnCheckDigit(body));
}

export function checkDigitValid(digits: string): boolean {
  return digits.length >= 2 && luhnCheckDigit(digits.slice(0, -1)) === digits.charCodeAt(digits.length - 1) - 48;
}
