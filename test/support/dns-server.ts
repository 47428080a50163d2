/**
 * A DNS server for one test, on 127.0.0.1 and a port the system picks (dns2, UDP): it answers TXT
 * and MX questions from a zone the test writes, and nothing else, so `herald check --dns` can be
 * pointed at it with HERALD_DNS_SERVER and never asks the internet.
 */
export interface TestZone {
  /** Each record is one value, or its character-strings as DNS carries them. */
  readonly [name: string]: { readonly TXT?: readonly (string | readonly string[])[]; readonly MX?: readonly { readonly exchange: string; readonly priority: number }[] };
}

export interface TestDnsServer {
  /** For HERALD_DNS_SERVER: "127.0.0.1:PORT". */
  readonly address: string;
  /** Every question asked, as "TYPE name". */
  readonly questions: string[];
  close(): Promise<void>;
}

interface Dns2Question { readonly name: string; readonly type: number }
interface Dns2Packet { readonly questions: Dns2Question[]; answers: unknown[] }
interface Dns2 {
  createServer(opts: { udp: boolean; handle: (request: Dns2Packet, send: (response: Dns2Packet) => void) => void }): {
    listen(opts: { udp: { port: number; address: string; type: 'udp4' } }): Promise<{ udp: { port: number } }>;
    close(): Promise<void>;
  };
  Packet: { TYPE: Record<string, number>; CLASS: { IN: number }; createResponseFromRequest(request: Dns2Packet): Dns2Packet };
}

export async function startDnsServer(zone: TestZone): Promise<TestDnsServer> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const dns2 = require('dns2') as Dns2;
  const { Packet } = dns2;
  const questions: string[] = [];
  const names = new Map(Object.entries(zone).map(([name, records]) => [name.toLowerCase(), records]));
  const server = dns2.createServer({
    udp: true,
    handle: (request, send) => {
      const response = Packet.createResponseFromRequest(request);
      const [question] = request.questions;
      if (question) {
        const type = Object.entries(Packet.TYPE).find(([, n]) => n === question.type)?.[0] ?? String(question.type);
        questions.push(`${type} ${question.name}`);
        const records = names.get(question.name.toLowerCase());
        const base = { name: question.name, class: Packet.CLASS.IN, ttl: 60 };
        if (type === 'TXT') for (const data of records?.TXT ?? []) response.answers.push({ ...base, type: Packet.TYPE.TXT, data });
        if (type === 'MX') for (const mx of records?.MX ?? []) response.answers.push({ ...base, type: Packet.TYPE.MX, ...mx });
      }
      send(response);
    },
  });
  const addresses = await server.listen({ udp: { port: 0, address: '127.0.0.1', type: 'udp4' } });
  return { address: `127.0.0.1:${addresses.udp.port}`, questions, close: () => server.close() };
}
