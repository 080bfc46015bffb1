import { IANAZone } from 'luxon';

export class UnknownZoneError extends Error {
  readonly code = 'TR_ERR_UNKNOWN_ZONE';
  constructor(readonly zone: string) {
    super(`unknown IANA time zone '${zone}': use a name like Asia/Singapore or America/New_York`);
    this.name = 'UnknownZoneError';
  }
}

export function isValidZone(zone: string): boolean {
  return IANAZone.isValidZone(zone);
}

export function assertZone(zone: string): string {
  if (!IANAZone.isValidZone(zone)) throw new UnknownZoneError(zone);
  return zone;
}
