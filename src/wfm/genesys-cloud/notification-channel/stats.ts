export interface NotificationChannelsStats {
  channelsCreated: number;
  /** sockets opened again on a lane after one was lost or told to close */
  reconnects: number;
  heartbeatTimeouts: number;
  /** `v2.system.socket_closing` messages received */
  socketClosing: number;
  /** channels found gone (HEAD or a subscription call answered 404) */
  expiries: number;
  /** every message read from a socket, heartbeats included */
  messages: number;
  rejectedTopics: number;
  /** messages handed to onEvent */
  events: number;
  renewals: number;
  /** sockets closed with 4000: the channel was evicted */
  evictions: number;
  /** sockets closed with 4001: another socket took the channel over */
  takeovers: number;
  /** messages on a topic no lane holds (dropped) */
  unknownTopics: number;
  /** messages that are not JSON or carry no topicName (dropped) */
  malformed: number;
}
