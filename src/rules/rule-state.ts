export const PHASE = { inactive: 0, pending: 1, firing: 2 } as const;
export type Phase = (typeof PHASE)[keyof typeof PHASE];
export const PHASE_NAMES = ['inactive', 'pending', 'firing'] as const;

/**
 * One rule's state for one scope key, as in Prometheus alerting:
 *
 *   inactive ──condition true──▶ pending ──held for `for`──▶ firing
 *      ▲                            │                          │
 *      └──────condition false───────┘                          │
 *      └──── hold condition false for `keepFiringFor` ─────────┘
 *
 * "hold" is the condition with each comparison's `clear` value (hysteresis): once
 * firing, a rule stays firing until the aggregate crosses the clear value, not the
 * threshold. A firing acts once when it starts (unless within `cooldown` of the last
 * act, in which case it acts at the first event after the cooldown while still
 * holding), then again every `repeatEvery` if set. Outside `during`, a rule is
 * inactive. All times are event times.
 */
export class RuleState {
  phase: Phase = PHASE.inactive;
  /** event time the rule became pending */
  pendingSince = 0;
  /** event time the rule started firing */
  firingSince = 0;
  /** event time the hold condition turned false while firing; NaN while it holds */
  holdFalseSince = Number.NaN;
  /** event time of the last intent, -Infinity when none */
  lastActAt = Number.NEGATIVE_INFINITY;
  /** intents emitted in the current firing */
  acts = 0;

  reset(): void {
    this.phase = PHASE.inactive;
    this.holdFalseSince = Number.NaN;
    this.acts = 0;
  }

  toJSON(): RuleStateSnapshot {
    return [
      this.phase,
      this.pendingSince,
      this.firingSince,
      Number.isNaN(this.holdFalseSince) ? null : this.holdFalseSince,
      this.lastActAt === Number.NEGATIVE_INFINITY ? null : this.lastActAt,
      this.acts,
    ];
  }

  static fromJSON(s: RuleStateSnapshot): RuleState {
    const r = new RuleState();
    r.phase = s[0];
    r.pendingSince = s[1];
    r.firingSince = s[2];
    r.holdFalseSince = s[3] ?? Number.NaN;
    r.lastActAt = s[4] ?? Number.NEGATIVE_INFINITY;
    r.acts = s[5];
    return r;
  }
}

/** [phase, pendingSince, firingSince, holdFalseSince|null, lastActAt|null, acts] */
export type RuleStateSnapshot = [Phase, number, number, number | null, number | null, number];
