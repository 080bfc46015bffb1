/** The BRIEF's time-zone test set. */
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
