// Drives the official @microsoft/signalr client for pickbay's tests.
// Usage: node client.mjs '<json options>'
// Options: url, transport (WebSockets|ServerSentEvents|LongPolling), protocol (json|messagepack),
// headers, accessToken, skipNegotiation, statefulReconnect, reconnect, methods (to subscribe).
// Prints one JSON object a line on stdout; reads commands as JSON lines on stdin:
// {"cmd":"invoke","id":1,"method":"Echo","args":[...]}, {"cmd":"send",...}, {"cmd":"stop"}.
import * as signalR from "@microsoft/signalr";
import { MessagePackHubProtocol } from "@microsoft/signalr-protocol-msgpack";
import * as readline from "node:readline";

const options = JSON.parse(process.argv[2]);
// A Date (what MessagePack timestamps decode to) prints as {"$date": ISO}, apart from strings.
function tagDates(key, value) {
  const raw = this[key];
  return raw instanceof Date ? { $date: raw.toISOString() } : value;
}
const out = (obj) => process.stdout.write(JSON.stringify(obj, tagDates) + "\n");

const connectionOptions = {
  transport: signalR.HttpTransportType[options.transport ?? "WebSockets"],
  skipNegotiation: options.skipNegotiation ?? false,
  headers: options.headers ?? {},
};
if (options.accessToken) {
  connectionOptions.accessTokenFactory = () => options.accessToken;
}
let builder = new signalR.HubConnectionBuilder()
  .withUrl(options.url, connectionOptions)
  .configureLogging({
    // Logs go to stderr: stdout carries only the events the test reads.
    log: (level, message) => {
      if (level >= (options.logLevel ?? signalR.LogLevel.None)) {
        process.stderr.write(`[${level}] ${message}\n`);
      }
    },
  });
if (options.protocol === "messagepack") {
  builder = builder.withHubProtocol(new MessagePackHubProtocol());
}
if (options.statefulReconnect) {
  builder = builder.withStatefulReconnect();
}
if (options.reconnect) {
  builder = builder.withAutomaticReconnect([0, 100, 200, 500]);
}
if (options.serverTimeout) {
  builder = builder.withServerTimeout(options.serverTimeout);
}
const connection = builder.build();

for (const method of options.methods ?? []) {
  connection.on(method, (...args) => out({ event: "message", target: method, args }));
}
connection.onclose((error) => {
  out({ event: "closed", error: error ? String(error.message ?? error) : null });
  process.exit(0);
});
connection.onreconnecting(() => out({ event: "reconnecting" }));
connection.onreconnected(() => out({ event: "reconnected" }));

const lines = readline.createInterface({ input: process.stdin });
lines.on("line", async (line) => {
  const command = JSON.parse(line);
  try {
    if (command.cmd === "invoke") {
      const result = await connection.invoke(command.method, ...(command.args ?? []));
      out({ event: "result", id: command.id, result: result ?? null });
    } else if (command.cmd === "send") {
      await connection.send(command.method, ...(command.args ?? []));
      out({ event: "sent", id: command.id });
    } else if (command.cmd === "stop") {
      await connection.stop();
    }
  } catch (error) {
    out({ event: "result", id: command.id, error: String(error.message ?? error) });
  }
});
lines.on("close", () => connection.stop());

try {
  await connection.start();
  out({ event: "connected", connectionId: connection.connectionId });
} catch (error) {
  out({ event: "failed", error: String(error.message ?? error) });
  process.exit(0);
}
