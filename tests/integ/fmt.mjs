// fmt.mjs - what a page shows for a figure, computed here from the exact
// value, so tests can compare the page with the truth: the rules of
// src/web/fmt.c (4 significant digits, half up on the decimal digits),
// written again independently with BigInt.
export const num = (n) => Number(n).toLocaleString('en-US');

// wei (decimal string) -> "4.821 AIUS" / "12.35k AIUS" / "< 0.000001 AIUS".
export function aiusShown(wei) {
  let v = BigInt(wei);
  if (v === 0n) return '0 AIUS';
  const digits = v.toString();
  let e = digits.length - 19; // exponent of the leading digit, in AIUS
  let m = BigInt(digits.slice(0, 4).padEnd(4, '0'));
  if (digits.length > 4 && Number(digits[4]) >= 5) m += 1n;
  if (m === 10000n) { m = 1000n; e += 1; }
  if (e < -6) return '< 0.000001 AIUS';
  if (e >= 15) { const t = m.toString(); return `${t[0]}.${t.slice(1)}e${e} AIUS`; }
  const s = e >= 4 ? e - (e % 3) : 0;
  // value = m * 10^(e - 3 - s) in the unit 10^s
  const scale = e - 3 - s;
  let text;
  if (scale >= 0) text = (m * 10n ** BigInt(scale)).toLocaleString('en-US');
  else {
    const str = m.toString().padStart(-scale + 1, '0');
    const int = str.slice(0, str.length + scale);
    const frac = str.slice(str.length + scale).replace(/0+$/, '');
    text = `${int}${frac ? `.${frac}` : ''}`;
  }
  return `${text}${['', 'k', 'M', 'B', 'T'][s / 3]} AIUS`;
}

// whole AIUS, exact ("1.5", "0.0035", "0"): what the title shows.
export function aiusExact(wei) {
  const v = BigInt(wei);
  const int = v / 10n ** 18n;
  const frac = (v % 10n ** 18n).toString().padStart(18, '0').replace(/0+$/, '');
  return `${int}${frac ? `.${frac}` : ''}`;
}

// seconds -> "45 s", "2 min 39 s", "1 h 5 min", "3 d 4 h" (reals under 60: one decimal).
export function dur(v) {
  if (v < 60) return `${Number.isInteger(v) ? v : v.toFixed(1)} s`;
  const s = Math.round(v);
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`;
}
