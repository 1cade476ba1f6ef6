import dns2 from "dns2";

const { Packet } = dns2;

export interface TestDnsServer {
  /** `127.0.0.1:<port>`, for SSO_DNS_SERVERS. */
  readonly address: string;
  /** Publishes (replaces) the TXT values of a name. */
  setTxt(name: string, values: readonly string[]): void;
  removeTxt(name: string): void;
  close(): Promise<void>;
}

/**
 * A real DNS server (dns2, UDP) on 127.0.0.1 and an ephemeral port, answering TXT queries
 * from a table the test fills: the domain-verification tests publish and withdraw
 * `_rampart-verify.<domain>` records on it. A name it does not know answers NXDOMAIN.
 */
export async function startDnsServer(): Promise<TestDnsServer> {
  const txt = new Map<string, readonly string[]>();
  const server = dns2.createServer({
    udp: true,
    handle: (request, send) => {
      const response = Packet.createResponseFromRequest(request);
      const question = request.questions[0];
      const name = question?.name.toLowerCase().replace(/\.$/, "") ?? "";
      const values = txt.get(name);
      // NXDOMAIN (the typings know no rcode).
      if (!values) (response.header as { rcode?: number }).rcode = 3;
      else if (question?.type === Packet.TYPE.TXT)
        for (const data of values)
          (response.answers as unknown[]).push({
            name: question.name,
            type: Packet.TYPE.TXT,
            class: Packet.CLASS.IN,
            ttl: 1,
            data,
          });
      send(response);
    },
  });
  await server.listen({ udp: { port: 0, address: "127.0.0.1" } });
  const port = server.addresses().udp?.port;
  return {
    address: `127.0.0.1:${port}`,
    setTxt: (name, values) => txt.set(name.toLowerCase(), values),
    removeTxt: (name) => txt.delete(name.toLowerCase()),
    close: () => server.close(),
  };
}
