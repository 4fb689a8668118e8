/**
 * Sends Firefox's `https://<host>` traffic to a local port, as Chromium's `--host-resolver-rules` does for the
 * Chromium e2e: a proxy auto-config (served by this proxy at `/proxy.pac`) routes the mapped hosts through this
 * CONNECT proxy, which tunnels them to `127.0.0.1:<port>`; everything else goes direct. TLS stays end to end
 * (Firefox talks to the emulator itself, whose self-signed certificate the session accepts with
 * `acceptInsecureCerts`), no DNS is involved, and no port needs root.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';

export interface HostProxy {
  /** The proxy auto-config URL, for `network.proxy.autoconfig_url`. */
  pacUrl: string;
  /** CONNECT requests tunnelled, by host (for diagnostics). */
  tunnelled: Map<string, number>;
  close(): Promise<void>;
}

/** `hosts`: host name → local port its HTTPS (port 443) traffic goes to. */
export async function startHostProxy(hosts: Record<string, number>): Promise<HostProxy> {
  const tunnelled = new Map<string, number>();
  const sockets = new Set<Socket>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.url !== '/proxy.pac') {
      res.writeHead(404).end();
      return;
    }
    const { port } = server.address() as AddressInfo;
    const rules = Object.keys(hosts)
      .map((host) => `if (host === ${JSON.stringify(host)}) return "PROXY 127.0.0.1:${port}";`)
      .join('\n  ');
    res.writeHead(200, { 'content-type': 'application/x-ns-proxy-autoconfig' });
    res.end(`function FindProxyForURL(url, host) {\n  ${rules}\n  return "DIRECT";\n}\n`);
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    const [host = '', port = '443'] = (req.url ?? '').split(':');
    const target = hosts[host];
    if (target === undefined || port !== '443') {
      client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    tunnelled.set(host, (tunnelled.get(host) ?? 0) + 1);
    const upstream = connect(target, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    const drop = () => {
      upstream.destroy();
      client.destroy();
    };
    upstream.on('error', drop);
    client.on('error', drop);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    pacUrl: `http://127.0.0.1:${port}/proxy.pac`,
    tunnelled,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
