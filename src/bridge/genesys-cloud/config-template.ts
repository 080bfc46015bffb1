/**
 * `bridge genesys-cloud --template`: a bridge section to start a config file from. Every key is
 * one of the config schema's (schemas/config.schema.json), the values its defaults or examples.
 */
export const BRIDGE_CONFIG_TEMPLATE = `# trunk-reactor bridge genesys-cloud --config FILE: Genesys Cloud BYOC trunk metrics → Kafka
# (docs/bridge-genesys-cloud.md). Kafka comes from the kafka section, as for every command.
kafka:
  brokers: [127.0.0.1:9092]
  topics:
    events: trunk-utilization       # the bridge writes here unless bridge.genesysCloud.topic says otherwise

bridge:
  genesysCloud:
    region: mypurecloud.com         # or apiBaseUrl + loginBaseUrl
    clientId: 00000000-0000-0000-0000-000000000000   # Client Credentials grant, a role with telephony:plugin:all
    clientSecret: { env: GENESYS_BRIDGE_CLIENT_SECRET }
    defaults:                       # what every mapped trunk base takes unless its entry says otherwise
      region: apac
      capacity: 30                  # Genesys' Max Concurrent Calls may be Unlimited: capacity comes from here
    trunks:                         # by trunk base name or id; \`bridge genesys-cloud --check\` lists them
      "SG BYOC 01": { trunkId: sg-byoc-01, trunkGroup: sg-byoc, site: sg1, labels: { carrier: starhub } }
      "SG BYOC 02": { trunkId: sg-byoc-02, trunkGroup: sg-byoc, site: sg1, capacity: 60 }
    rediscoverIntervalMs: 300000    # added and removed trunks are followed this often
    gapFillIntervalMs: 60000        # every trunk's latest sample from REST (also after every reconnect)
    gapFillBatchSize: 100           # trunk ids per GET …/trunks/metrics
    instanceWaitMs: 2000            # a base's sample waits this long for all its edges' instances
    bufferMaxEvents: 10000          # held while Kafka is down; past this the bridge stops reading
    requestsPerMinute: 240          # of the OAuth client's 300
    adminPort: 9465                 # /metrics /healthz /readyz on admin.host
`;
