import type { CompiledRuleSet } from '../rules/compile.js';

/**
 * How intents are grouped for planning: every intent of a planning domain goes to one planner
 * (one partition of the intents topic, keyed by domain), so per-team caps and the planner's
 * picture of its own changes hold whichever input partition a rule fired on.
 */

/**
 * Planning domains: teams tied together by a rule that acts on both (a swap's team and donor
 * team) form one domain, so one planner sees every change to either. Each team maps to
 * `team:<the domain's first team id>`.
 */
export function planningDomains(rules: CompiledRuleSet): Map<string, string> {
  const parent = new Map<string, string>();
  const find = (t: string): string => {
    let r = t;
    while (parent.get(r) !== r) r = parent.get(r) ?? r;
    parent.set(t, r);
    return r;
  };
  const add = (t: string) => {
    if (!parent.has(t)) parent.set(t, t);
  };
  for (const r of rules.rules) {
    add(r.action.team);
    if (r.action.kind === 'swap') {
      add(r.action.donorTeam);
      // the domain is named by its first team id: the later root joins the earlier
      const [first, later] = [find(r.action.team), find(r.action.donorTeam)].sort();
      if (first !== undefined && later !== undefined && first !== later) parent.set(later, first);
    }
  }
  return new Map([...parent.keys()].map((t) => [t, `team:${find(t)}`]));
}

/** The teams a rule set acts on (a swap's donor team included): the schedules its planner will read. */
export function actionTeams(rules: CompiledRuleSet): string[] {
  const teams = new Set<string>();
  for (const r of rules.rules) {
    teams.add(r.action.team);
    if (r.action.kind === 'swap') teams.add(r.action.donorTeam);
  }
  return [...teams];
}
