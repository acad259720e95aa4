// The address classifier, the ALLOW_PRIVATE_UPSTREAMS parser and the URL-level check: pure, no
// connections at all.
import { describe, expect, it } from 'vitest';
import {
  AllowlistError,
  admits,
  checkUpstreamUrl,
  classifyIp,
  formatIp,
  isPublicAddress,
  parseAllowlist,
  parseIp,
} from '../src/fetcher/address-guard.ts';
import { FetchError, urlGuard } from '../src/fetcher/index.ts';

function verdict(address: string): string | null {
  const ip = parseIp(address);
  if (!ip) throw new Error(`not an address: ${address}`);
  return classifyIp(ip).reason;
}

describe('classifyIp', () => {
  it.each([
    ['8.8.8.8'],
    ['1.1.1.1'],
    ['93.184.216.34'],
    ['100.63.255.255'], // just below CGNAT
    ['100.128.0.0'], // just above CGNAT
    ['172.15.255.255'],
    ['172.32.0.0'],
    ['192.169.0.1'],
    ['198.20.0.1'], // just above benchmarking
    ['223.255.255.255'],
    ['2606:4700:4700::1111'],
    ['2001:4860:4860::8888'],
    ['2a00:1450:4001:80b::200e'],
    ['::ffff:8.8.8.8'], // mapped public v4
    ['64:ff9b::808:808'], // NAT64 of 8.8.8.8
    ['64:ff9b::8.8.8.8'],
    ['2002:808:808::1'], // 6to4 of 8.8.8.8
  ])('%s is public', (address) => {
    expect(verdict(address)).toBeNull();
    expect(isPublicAddress(address)).toBe(true);
  });

  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.0.0.1', 'private (RFC 1918)'],
    ['172.16.0.1', 'private (RFC 1918)'],
    ['172.31.255.255', 'private (RFC 1918)'],
    ['192.168.1.1', 'private (RFC 1918)'],
    ['169.254.169.254', 'cloud metadata service'],
    ['169.254.1.1', 'link-local'],
    ['100.64.0.1', 'carrier-grade NAT (RFC 6598)'],
    ['100.100.100.200', 'carrier-grade NAT (RFC 6598)'], // Alibaba's metadata service
    ['100.127.255.255', 'carrier-grade NAT (RFC 6598)'],
    ['0.0.0.0', 'unspecified ("this network")'],
    ['0.1.2.3', 'unspecified ("this network")'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['240.0.0.1', 'reserved'],
    ['198.18.0.1', 'benchmarking (RFC 2544)'],
    ['198.19.255.255', 'benchmarking (RFC 2544)'],
    ['192.0.2.1', 'documentation (TEST-NET-1)'],
    ['198.51.100.7', 'documentation (TEST-NET-2)'],
    ['203.0.113.9', 'documentation (TEST-NET-3)'],
    ['192.0.0.192', 'IETF protocol assignments'],
    ['168.63.129.16', 'cloud metadata service'],
    ['::1', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['febf:ffff::1', 'link-local'],
    ['fc00::1', 'unique local (ULA)'],
    ['fd12:3456::1', 'unique local (ULA)'],
    ['fd00:ec2::254', 'cloud metadata service'],
    ['fec0::1', 'site-local (deprecated)'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'documentation'],
    ['3fff::1', 'documentation'],
    ['2001::1', 'IETF protocol assignments (Teredo, benchmarking, ORCHID)'],
    ['100::1', 'discard-only'],
    ['64:ff9b:1::1', 'NAT64 local use'],
    ['4000::1', 'reserved (outside 2000::/3)'],
    ['::ffff:127.0.0.1', 'IPv4-mapped 127.0.0.1, loopback'],
    ['::ffff:7f00:1', 'IPv4-mapped 127.0.0.1, loopback'],
    ['[::ffff:169.254.169.254]', 'IPv4-mapped 169.254.169.254, cloud metadata service'],
    ['::ffff:10.1.2.3', 'IPv4-mapped 10.1.2.3, private (RFC 1918)'],
    ['::127.0.0.1', 'IPv4-compatible (deprecated)'],
    ['::8.8.8.8', 'IPv4-compatible (deprecated)'],
    ['64:ff9b::127.0.0.1', 'NAT64 of 127.0.0.1, loopback'],
    ['64:ff9b::a9fe:a9fe', 'NAT64 of 169.254.169.254, cloud metadata service'],
    ['2002:7f00:1::', '6to4 of 127.0.0.1, loopback'],
    ['2002:c0a8:101::1', '6to4 of 192.168.1.1, private (RFC 1918)'],
  ])('%s is not public: %s', (address, reason) => {
    expect(verdict(address)).toBe(reason);
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each(['127.1', '2130706433', '0x7f.0.0.1', '0177.0.0.1', '256.0.0.1', '1.2.3', '1.2.3.4.5', '', 'localhost', '::1::', ':1', '1:', 'gggg::1', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7::8', '1.2.3.4::', '[::1'])(
    'parseIp refuses %j (only canonical forms are addresses)',
    (text) => {
      expect(parseIp(text)).toBeNull();
      expect(isPublicAddress(text)).toBe(false);
    },
  );

  it('formats addresses canonically for messages', () => {
    expect(formatIp(parseIp('0:0:0:0:0:ffff:7f00:1')!)).toBe('::ffff:7f00:1');
    expect(formatIp(parseIp('fd00:ec2:0:0:0:0:0:254')!)).toBe('fd00:ec2::254');
    expect(formatIp(parseIp('::')!)).toBe('::');
    expect(formatIp(parseIp('1:0:0:2:0:0:0:3')!)).toBe('1:0:0:2::3');
    expect(formatIp(parseIp('10.20.30.40')!)).toBe('10.20.30.40');
  });
});

describe('ALLOW_PRIVATE_UPSTREAMS', () => {
  it('a bare address admits that address alone', () => {
    const allow = parseAllowlist(['127.0.0.1']);
    expect(admits(allow, 'h', '127.0.0.1')).toBe(true);
    expect(admits(allow, 'h', '::ffff:127.0.0.1')).toBe(true); // the same address on the wire
    expect(admits(allow, 'h', '127.0.0.2')).toBe(false);
    expect(admits(allow, 'h', '::1')).toBe(false);
    expect(admits(allow, 'h', '10.0.0.1')).toBe(false);
    expect(admits(allow, 'h', '8.8.8.8')).toBe(true); // public needs no entry
  });

  it('CIDR ranges, IPv6 entries, WHATWG forms and *', () => {
    const allow = parseAllowlist([' 10.0.0.0/8 ', '', 'fd00::/8', '::1', '127.1', '192.168.1.77/16']);
    expect(admits(allow, 'h', '10.255.0.3')).toBe(true);
    expect(admits(allow, 'h', '11.0.0.1')).toBe(true); // public
    expect(admits(allow, 'h', '172.16.0.1')).toBe(false);
    expect(admits(allow, 'h', 'fd12::1')).toBe(true);
    expect(admits(allow, 'h', 'fc00::1')).toBe(false);
    expect(admits(allow, 'h', '::1')).toBe(true);
    expect(admits(allow, 'h', '127.0.0.1')).toBe(true); // `127.1` read as a URL would read it
    expect(admits(allow, 'h', '192.168.200.1')).toBe(true); // host bits of the entry ignored
    expect(admits(parseAllowlist(['::ffff:10.0.0.0/104']), 'h', '10.9.9.9')).toBe(true);
    const star = parseAllowlist(['*']);
    expect(admits(star, 'h', '169.254.169.254')).toBe(true);
    expect(admits(star, 'h', 'not an address')).toBe(false);
    expect(admits(parseAllowlist([]), 'h', '10.0.0.1')).toBe(false);
  });

  it('a host name entry admits connections made for that host name only', () => {
    const allow = parseAllowlist(['LocalHost', 'feeds.intranet.']);
    expect(admits(allow, 'localhost', '127.0.0.1')).toBe(true);
    expect(admits(allow, 'localhost.', '::1')).toBe(true);
    expect(admits(allow, 'feeds.intranet', '10.1.1.1')).toBe(true);
    expect(admits(allow, 'other.example', '127.0.0.1')).toBe(false);
    expect(admits(allow, 'sub.localhost', '127.0.0.1')).toBe(false);
  });

  it.each(['10.0.0.0/33', '10.0.0.0/', '/8', 'http://host', 'host:8080', 'a b', 'user@host', '::1/129', '10.0.0.0/8/8', '[::1]/64x'])(
    'refuses the entry %j, naming the variable',
    (entry) => {
      expect(() => parseAllowlist([entry])).toThrow(AllowlistError);
      expect(() => parseAllowlist([entry])).toThrow(/ALLOW_PRIVATE_UPSTREAMS: ".*" is not/);
    },
  );
});

describe('checkUpstreamUrl', () => {
  const none = parseAllowlist([]);

  // WHATWG URL parsing normalises every spelling of the loopback address before the check sees it.
  it.each([
    'http://127.0.0.1/',
    'http://127.0.0.1:5432/',
    'http://127.1/',
    'http://2130706433/',
    'http://0x7f.1/',
    'http://0x7f000001/',
    'http://0177.0.0.1/',
    'http://127.0.0.1./',
    'http://%31%32%37.0.0.1/',
    'http://１２７.０.０.１/',
    'http://x@127.0.0.1/',
    'http://user:pass@127.0.0.1:80/',
    'http://0.0.0.0/',
    'http://0/',
    'http://localhost/',
    'http://localhost./',
    'http://LOCALHOST:8080/',
    'http://feeds.localhost/',
    'http://[::1]/',
    'http://[0:0:0:0:0:0:0:1]/',
    'http://[::]/',
    'http://[::ffff:127.0.0.1]/',
    'http://[::ffff:7f00:1]/',
    'http://[fe80::1]/',
    'http://[fd00::1]/',
    'http://[fd00:ec2::254]/',
    'http://169.254.169.254/latest/meta-data/',
    'http://10.0.0.1/',
    'http://172.16.5.4/',
    'http://192.168.0.1/',
    'http://100.64.0.1/',
    'https://[::ffff:a9fe:a9fe]/',
  ])('refuses %s with no allowlist', (href) => {
    const refusal = checkUpstreamUrl(new URL(href), none);
    expect(refusal?.code).toBe('blocked');
    expect(refusal?.message).toMatch(/^fetcher: .+ resolves to .+, a private\/loopback address; set ALLOW_PRIVATE_UPSTREAMS to allow it$/);
  });

  it.each(['file:///etc/passwd', 'gopher://127.0.0.1:70/', 'ftp://example.com/feed', 'data:text/xml,<rss/>', 'javascript:alert(1)'])(
    'refuses the scheme of %s',
    (href) => {
      expect(checkUpstreamUrl(new URL(href), none)?.code).toBe('scheme');
    },
  );

  it('checks the real host of a userinfo trick, then refuses credentials anyway', () => {
    // The host is 127.0.0.1, not "example.com".
    expect(checkUpstreamUrl(new URL('http://example.com@127.0.0.1/'), none)?.message).toMatch(/127\.0\.0\.1 resolves to 127\.0\.0\.1/);
    expect(checkUpstreamUrl(new URL('http://127.0.0.1@example.com/'), none)?.code).toBe('url');
  });

  it('lets public and plain host names through (their addresses are checked at connection time)', () => {
    expect(checkUpstreamUrl(new URL('https://example.com/feed.xml'), none)).toBeNull();
    expect(checkUpstreamUrl(new URL('http://8.8.8.8/'), none)).toBeNull();
    expect(checkUpstreamUrl(new URL('http://[2606:4700:4700::1111]/'), none)).toBeNull();
    expect(checkUpstreamUrl(new URL('http://intranet.corp/'), none)).toBeNull();
  });

  it('admits what the allowlist admits, and nothing next to it', () => {
    const allow = parseAllowlist(['127.0.0.1']);
    expect(checkUpstreamUrl(new URL('http://127.1:8080/'), allow)).toBeNull();
    expect(checkUpstreamUrl(new URL('http://[::ffff:127.0.0.1]/'), allow)).toBeNull();
    expect(checkUpstreamUrl(new URL('http://localhost/'), allow)).toBeNull(); // localhost may be 127.0.0.1
    expect(checkUpstreamUrl(new URL('http://127.0.0.2/'), allow)?.code).toBe('blocked');
    expect(checkUpstreamUrl(new URL('http://[::1]/'), allow)?.code).toBe('blocked');
    const byName = parseAllowlist(['localhost']);
    expect(checkUpstreamUrl(new URL('http://localhost./'), byName)).toBeNull();
    expect(checkUpstreamUrl(new URL('http://127.0.0.1/'), byName)?.code).toBe('blocked');
  });

  it('urlGuard wraps refusals in FetchError for FetcherDeps.checkUrl', () => {
    const check = urlGuard(['10.0.0.0/8']);
    expect(() => check(new URL('http://10.1.2.3/'))).not.toThrow();
    expect(() => check(new URL('http://169.254.169.254/'))).toThrow(FetchError);
    expect(() => urlGuard(['10.0.0.0/99'])).toThrow(AllowlistError);
  });
});
