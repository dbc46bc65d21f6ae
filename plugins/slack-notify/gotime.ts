// Go's time formatting, for drone-slack's template helpers: durations as time.Duration prints
// them ("1h2m3s") and times in Go layouts ("2006-01-02 15:04:05 MST").

/** time.Duration(seconds * time.Second).String() for a whole number of seconds. */
export function goDuration(seconds: number): string {
  const s = Math.trunc(seconds);
  if (s === 0) return '0s';
  if (s < 0) return `-${goDuration(-s)}`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h > 0) return `${h}h${m}m${sec}s`;
  if (m > 0) return `${m}m${sec}s`;
  return `${sec}s`;
}

interface TimeParts {
  year: number;
  month: number; // 1-12
  day: number;
  weekday: number; // 0 = Sunday
  hour: number;
  minute: number;
  second: number;
  yearDay: number;
  /** Seconds east of UTC. */
  offset: number;
  abbreviation: string;
}

const LONG_MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const LONG_DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

function partsFromShifted(shifted: Date, offset: number, abbreviation: string): TimeParts {
  const year = shifted.getUTCFullYear();
  const startOfYear = Date.UTC(year, 0, 1);
  const startOfDay = Date.UTC(year, shifted.getUTCMonth(), shifted.getUTCDate());
  return {
    year,
    month: shifted.getUTCMonth() + 1,
    day: shifted.getUTCDate(),
    weekday: shifted.getUTCDay(),
    hour: shifted.getUTCHours(),
    minute: shifted.getUTCMinutes(),
    second: shifted.getUTCSeconds(),
    yearDay: Math.round((startOfDay - startOfYear) / 86_400_000) + 1,
    offset,
    abbreviation,
  };
}

/** "GMT+9" (what Intl says for zones it has no name for) the way Go prints them: "+09". */
function goAbbreviation(intlName: string, offset: number): string {
  if (offset === 0 && /^(GMT|UTC)$/.test(intlName)) return intlName === 'GMT' ? 'GMT' : 'UTC';
  if (!/^GMT[+-]/.test(intlName)) return intlName;
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  const hh = String(Math.floor(abs / 3600)).padStart(2, '0');
  const mm = Math.floor((abs % 3600) / 60);
  return mm === 0 ? `${sign}${hh}` : `${sign}${hh}${String(mm).padStart(2, '0')}`;
}

/** The wall-clock parts of a Unix time in an IANA zone ('' for the local zone, 'UTC' for UTC). */
export function timeIn(unixSeconds: number, zone: string): TimeParts {
  const date = new Date(unixSeconds * 1000);
  const timeZone = zone === '' ? undefined : zone;
  const fmt = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
    timeZoneName: 'short',
  });
  const parts = Object.fromEntries(fmt.formatToParts(date).map((p) => [p.type, p.value]));
  const wall = Date.UTC(
    Number(parts.year),
    Number(parts.month) - 1,
    Number(parts.day),
    Number(parts.hour),
    Number(parts.minute),
    Number(parts.second),
  );
  const offset = Math.round((wall - date.getTime()) / 1000);
  return partsFromShifted(new Date(wall), offset, goAbbreviation(parts.timeZoneName ?? 'UTC', offset));
}

/** True when `zone` is an IANA zone name this runtime knows. */
export function isKnownZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const pad = (n: number, width = 2, fill = '0') => String(n).padStart(width, fill);

function offsetText(offset: number, colon: boolean, withSeconds: boolean, hoursOnly: boolean): string {
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  const hh = pad(Math.floor(abs / 3600));
  const mm = pad(Math.floor((abs % 3600) / 60));
  const ss = pad(abs % 60);
  if (hoursOnly) return `${sign}${hh}`;
  const sep = colon ? ':' : '';
  return withSeconds ? `${sign}${hh}${sep}${mm}${sep}${ss}` : `${sign}${hh}${sep}${mm}`;
}

type Chunk = { literal: string } | { std: string; len: number };

/** The next layout element at `i`, following Go's nextStdChunk. */
function stdAt(layout: string, i: number): { std: string; len: number } | undefined {
  const rest = layout.slice(i);
  const c = layout[i];
  switch (c) {
    case 'J':
      if (rest.startsWith('January')) return { std: 'January', len: 7 };
      // Go reads "Jan" as the month only when no lower-case letter follows ("Jane" is text).
      if (rest.startsWith('Jan') && !/^[a-z]/.test(rest.slice(3))) return { std: 'Jan', len: 3 };
      return undefined;
    case 'M':
      if (rest.startsWith('Monday')) return { std: 'Monday', len: 6 };
      if (rest.startsWith('Mon') && !/^[a-z]/.test(rest.slice(3))) return { std: 'Mon', len: 3 };
      if (rest.startsWith('MST')) return { std: 'MST', len: 3 };
      return undefined;
    case '0':
      if (/^0[1-6]/.test(rest)) return { std: rest.slice(0, 2), len: 2 };
      if (rest.startsWith('002')) return { std: '002', len: 3 };
      return undefined;
    case '1':
      if (rest.startsWith('15')) return { std: '15', len: 2 };
      return { std: '1', len: 1 };
    case '2':
      if (rest.startsWith('2006')) return { std: '2006', len: 4 };
      return { std: '2', len: 1 };
    case '_':
      if (rest.startsWith('_2') && !rest.startsWith('_2006')) return { std: '_2', len: 2 };
      if (rest.startsWith('__2')) return { std: '__2', len: 3 };
      return undefined;
    case '3':
    case '4':
    case '5':
      return { std: c, len: 1 };
    case 'P':
      return rest.startsWith('PM') ? { std: 'PM', len: 2 } : undefined;
    case 'p':
      return rest.startsWith('pm') ? { std: 'pm', len: 2 } : undefined;
    case '-':
    case 'Z':
      for (const s of ['070000', '07:00:00', '0700', '07:00', '07']) {
        if (rest.startsWith(c + s)) return { std: c + s, len: s.length + 1 };
      }
      return undefined;
    case '.':
    case ',': {
      const m = /^[.,](0+|9+)(?![0-9])/.exec(rest);
      return m ? { std: m[0], len: m[0].length } : undefined;
    }
    default:
      return undefined;
  }
}

function chunks(layout: string): Chunk[] {
  const out: Chunk[] = [];
  let literal = '';
  for (let i = 0; i < layout.length; ) {
    const std = stdAt(layout, i);
    if (std) {
      if (literal) out.push({ literal });
      literal = '';
      out.push(std);
      i += std.len;
    } else {
      literal += layout[i];
      i += 1;
    }
  }
  if (literal) out.push({ literal });
  return out;
}

const hour12 = (t: TimeParts) => (t.hour % 12 === 0 ? 12 : t.hour % 12);

/** Go's numeric layout elements: the field, and the width it is padded to (with zeros, or spaces for `_`). */
const NUMERIC: Record<string, [field: (t: TimeParts) => number, width: number, fill?: string]> = {
  '2006': [(t) => t.year, 4],
  '06': [(t) => t.year % 100, 2],
  '01': [(t) => t.month, 2],
  '1': [(t) => t.month, 1],
  '02': [(t) => t.day, 2],
  _2: [(t) => t.day, 2, ' '],
  '2': [(t) => t.day, 1],
  '002': [(t) => t.yearDay, 3],
  __2: [(t) => t.yearDay, 3, ' '],
  '15': [(t) => t.hour, 2],
  '03': [hour12, 2],
  '3': [hour12, 1],
  '04': [(t) => t.minute, 2],
  '4': [(t) => t.minute, 1],
  '05': [(t) => t.second, 2],
  '5': [(t) => t.second, 1],
};

function formatStd(std: string, t: TimeParts): string {
  const numeric = NUMERIC[std];
  if (numeric) return pad(numeric[0](t), numeric[1], numeric[2]);
  switch (std) {
    case 'January':
      return LONG_MONTHS[t.month - 1] as string;
    case 'Jan':
      return (LONG_MONTHS[t.month - 1] as string).slice(0, 3);
    case 'Monday':
      return LONG_DAYS[t.weekday] as string;
    case 'Mon':
      return (LONG_DAYS[t.weekday] as string).slice(0, 3);
    case 'MST':
      return t.abbreviation;
    case 'PM':
      return t.hour >= 12 ? 'PM' : 'AM';
    case 'pm':
      return t.hour >= 12 ? 'pm' : 'am';
  }
  if (std.startsWith('Z') && t.offset === 0) return 'Z';
  if (std.startsWith('-') || std.startsWith('Z')) {
    const body = std.slice(1);
    return offsetText(t.offset, body.includes(':'), body.length >= 6, body === '07');
  }
  // Fractional seconds: Unix seconds have none; ".000" prints zeros, ".999" prints nothing.
  if (std[1] === '0') return std[0] + '0'.repeat(std.length - 1);
  return '';
}

/** time.Unix(unixSeconds, 0).In(zone).Format(layout). */
export function goFormat(unixSeconds: number, layout: string, zone: string): string {
  const t = timeIn(unixSeconds, zone);
  return chunks(layout)
    .map((c) => ('literal' in c ? c.literal : formatStd(c.std, t)))
    .join('');
}
