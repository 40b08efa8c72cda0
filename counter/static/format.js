// How times, durations and categories read on the console (Indonesian first, English second).

const PRIORITY = {
  lansia: 'Lansia · Elderly',
  disabilitas: 'Disabilitas · Disability',
  ibu_hamil: 'Ibu hamil · Pregnant',
  anak: 'Anak · Child',
};

export function priorityLabel(priority) {
  if (!priority) return '';
  return PRIORITY[priority] || 'Prioritas · Priority';
}

export function clockTime(iso, timeZone) {
  if (!iso) return '–';
  return new Intl.DateTimeFormat('id-ID', { timeZone, hour: '2-digit', minute: '2-digit' }).format(new Date(iso));
}

export function minutesBetween(fromIso, toIso) {
  if (!fromIso || !toIso) return null;
  return Math.max(0, (new Date(toIso) - new Date(fromIso)) / 60000);
}

export function duration(minutes) {
  if (minutes === null || minutes === undefined) return '–';
  if (minutes < 1) return '< 1 mnt';
  const whole = Math.round(minutes);
  if (whole < 60) return `${whole} mnt`;
  return `${Math.floor(whole / 60)} j ${whole % 60} mnt`;
}

export function seconds(value) {
  return value === null || value === undefined ? '–' : duration(value / 60);
}
