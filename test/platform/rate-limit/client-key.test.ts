import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { FastifyRequest, RouteOptions } from "fastify";
import { byClientIp, clientNetworkKey } from "../../../src/platform/rate-limit/client-key.ts";

// One budget per client network: every spelling of one IPv6 /64 must give the same key, and
// an IPv4 client (also when the socket reports it IPv4-mapped) keeps its own address.
describe("rate-limit keys: the client's network", () => {
  it("keys IPv4, and IPv4-mapped IPv6 in either case, by the address", () => {
    assert.equal(clientNetworkKey("198.51.100.7"), "ip:198.51.100.7");
    assert.equal(clientNetworkKey("::ffff:198.51.100.7"), "ip:198.51.100.7");
    assert.equal(clientNetworkKey("::FFFF:198.51.100.77"), "ip:198.51.100.77");
  });

  it("keys an IPv6 address that merely ends in an IPv4 one by its /64", () => {
    assert.equal(clientNetworkKey("2001:db8:1:2::ffff:198.51.100.7"), "ip6:2001:db8:1:2::/64");
  });

  it("keys every spelling of one IPv6 /64 alike: full, compressed, padded, upper case", () => {
    const key = "ip6:2001:db8:1:2::/64";
    for (const ip of [
      "2001:db8:1:2::1",
      "2001:0db8:0001:0002:0000:0000:0000:0001",
      "2001:DB8:1:2:AAAA:BBBB:CCCC:DDDD",
      "2001:db8:1:2:3:4:5:6",
      "2001:db8:1:2::",
    ]) {
      assert.equal(clientNetworkKey(ip), key, ip);
    }
  });

  it("fills the groups a :: leaves out, at the start, the middle or the end", () => {
    assert.equal(clientNetworkKey("::1"), "ip6:0:0:0:0::/64");
    assert.equal(clientNetworkKey("0:0:0:0:0:0:0:1"), "ip6:0:0:0:0::/64");
    assert.equal(clientNetworkKey("2001:db8::"), "ip6:2001:db8:0:0::/64");
    assert.equal(clientNetworkKey("fe80::1:2:3:4:5"), "ip6:fe80:0:0:1::/64");
    assert.equal(clientNetworkKey("::a:b:c:d:e:f:1"), "ip6:0:a:b:c::/64");
  });

  it("without the access layer, a route's declared tier is spent per client network; an undeclared route costs nothing", async () => {
    const route = (config: unknown) => ({ method: "GET", url: "/x", config }) as unknown as RouteOptions;
    const budget = byClientIp(route({ rateLimit: { tier: "public" } }));
    assert.ok(budget);
    assert.deepEqual(await budget({ ip: "2001:db8:1:2::9" } as FastifyRequest), {
      tier: "public",
      key: "ip6:2001:db8:1:2::/64",
    });
    assert.equal(byClientIp(route(undefined)), undefined);
    assert.equal(byClientIp(route({})), undefined);
  });
});
