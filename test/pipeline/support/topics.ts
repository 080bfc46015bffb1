/** The seven pipeline topics of one test or benchmark run, named `<id>.events` and so on. */
export function prefixedTopics(id: string) {
  return {
    events: `${id}.events`,
    deadLetter: `${id}.dead-letter`,
    adjustments: `${id}.adjustments`,
    outcomes: `${id}.outcomes`,
    state: `${id}.state`,
    repartition: `${id}.repartition`,
    intents: `${id}.intents`,
  };
}
