/**
 * Proleptic Gregorian calendar arithmetic on day numbers (days since
 * 1970-01-01), for the RTC's date registers. Integer-only, any year.
 */

/** Days since 1970-01-01 of `year`-`month`-`day` (month 1..12; out-of-range days roll over). */
export function daysFromCivil(year: number, month: number, day: number): number {
  // Count years from March so the leap day is the last day of the year.
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const monthFromMarch = month > 2 ? month - 3 : month + 9;
  const dayOfYear = Math.floor((153 * monthFromMarch + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

/** A broken-down UTC time, filled in place (no allocation per conversion). */
export class CivilTime {
  /** Full year, e.g. 2026. */
  year = 1970;
  /** 1..12 */
  month = 1;
  /** 1..31 */
  day = 1;
  /** 0..23 */
  hour = 0;
  /** 0..59 */
  minute = 0;
  /** 0..59 */
  second = 0;
  /** Day of week as the MC146818 counts it: 1 = Sunday .. 7 = Saturday. */
  weekday = 5;

  /** Fill from seconds since 1970-01-01T00:00:00Z. */
  setEpochSeconds(epoch: number): void {
    const days = Math.floor(epoch / 86400);
    let sod = epoch - days * 86400;
    this.hour = Math.floor(sod / 3600);
    sod -= this.hour * 3600;
    this.minute = Math.floor(sod / 60);
    this.second = sod - this.minute * 60;
    this.weekday = (((days + 4) % 7) + 7) % 7 + 1; // 1970-01-01 was a Thursday
    const z = days + 719468;
    const era = Math.floor(z / 146097);
    const dayOfEra = z - era * 146097;
    const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36524) - Math.floor(dayOfEra / 146096)) / 365);
    const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
    const mp = Math.floor((5 * dayOfYear + 2) / 153);
    this.day = dayOfYear - Math.floor((153 * mp + 2) / 5) + 1;
    this.month = mp < 10 ? mp + 3 : mp - 9;
    this.year = yearOfEra + era * 400 + (this.month <= 2 ? 1 : 0);
  }

  /** Seconds since the epoch of the current fields (out-of-range fields roll over). */
  toEpochSeconds(): number {
    return daysFromCivil(this.year, this.month, this.day) * 86400 + this.hour * 3600 + this.minute * 60 + this.second;
  }
}
