// Bundles the operator and terminal pages into ../wwwroot/dist (run by the host's build, offline once
// node_modules is installed): Leaflet and @microsoft/signalr are bundled, so pages need no internet.
import * as esbuild from 'esbuild';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
await esbuild.build({
  entryPoints: {
    operator: path.join(here, 'src/operator.js'),
    terminal: path.join(here, 'src/terminal.js'),
    gridreport: path.join(here, 'src/gridreport.js'),
    gridqueue: path.join(here, 'src/gridqueue.js'),
    safetyindex: path.join(here, 'src/safetyindex.js'),
  },
  outdir: path.join(here, '../wwwroot/dist'),
  bundle: true,
  minify: true,
  sourcemap: true,
  format: 'esm',
  target: ['es2022'],
  platform: 'browser',
  loader: { '.png': 'dataurl', '.svg': 'dataurl' },
  logLevel: 'warning',
});
