/**
 * A loopback stand-in for the Hugging Face hub's HTTP API, serving one dataset repository from a
 * local folder in the hub's URL layout:
 *   GET /api/datasets/<repo>/revision/<rev>?blobs=true   { sha, siblings: [{ rfilename, size, lfs? }] }
 *   GET /datasets/<repo>/resolve/<sha>/<path>             the file; Range requests answered with 206
 * Anything else is a 404. `interruptOnce` cuts the first transfer of a file halfway (headers promise
 * the whole length, the socket is destroyed after half), as a dropped connection would; `interruptTimes`
 * cuts that many transfers of it instead of one.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { join, relative, sep } from 'node:path';

export interface HubRequest {
  path: string;
  headers: IncomingHttpHeaders;
}

export async function serveHub(opts: { repo: string; dir: string; sha: string; revisions?: string[]; lfs?: (path: string) => boolean; interruptOnce?: string; interruptTimes?: number }) {
  const files = new Map<string, Buffer>();
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      if (e.isDirectory()) await walk(join(d, e.name));
      else files.set(relative(opts.dir, join(d, e.name)).split(sep).join('/'), await readFile(join(d, e.name)));
    }
  };
  await walk(opts.dir);
  const revisions = new Set(['main', opts.sha, ...(opts.revisions ?? [])]);
  const requests: HubRequest[] = [];
  let interrupted = 0;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = decodeURIComponent(url.pathname);
    requests.push({ path: req.url ?? '/', headers: req.headers }); // as sent, still percent-encoded
    const api = `/api/datasets/${opts.repo}/revision/`;
    if (path.startsWith(api) && revisions.has(path.slice(api.length))) {
      const siblings = [...files].map(([rfilename, body]) => ({
        rfilename,
        size: body.length,
        ...(opts.lfs?.(rfilename) ? { lfs: { sha256: createHash('sha256').update(body).digest('hex'), size: body.length, pointerSize: 130 } } : {}),
      }));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: opts.repo, sha: opts.sha, siblings }));
      return;
    }
    const resolve = `/datasets/${opts.repo}/resolve/${opts.sha}/`;
    const body = path.startsWith(resolve) ? files.get(path.slice(resolve.length)) : undefined;
    if (!body) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"Repository not found"}');
      return;
    }
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const start = range ? Number(range[1]) : 0;
    if (start >= body.length && body.length > 0) {
      res.writeHead(416).end();
      return;
    }
    const part = body.subarray(start);
    res.writeHead(range ? 206 : 200, { 'content-length': part.length, 'accept-ranges': 'bytes', ...(range ? { 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` } : {}) });
    if (opts.interruptOnce === path.slice(resolve.length) && interrupted < (opts.interruptTimes ?? 1)) {
      interrupted++;
      // Half the body, a pause (the client takes it in), then the connection drops: a short body.
      res.write(part.subarray(0, Math.floor(part.length / 2)), () => setTimeout(() => res.destroy(), 300));
      return;
    }
    res.end(part);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
