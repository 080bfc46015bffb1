/** The BRIEF's time-zone test set: no DST, half- and quarter-hour offsets, DST with 30-minute and 1-hour shifts. */
export const ZONES = [
  'Asia/Singapore',
  'Asia/Kolkata',
  'Asia/Kathmandu',
  'Australia/Sydney',
  'Australia/Adelaide',
  'Australia/Lord_Howe',
  'Pacific/Chatham',
  'America/New_York',
] as const;
