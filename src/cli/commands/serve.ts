// `flowmo serve`: web mode. The app in a browser, the engine in a supervised child process, behind a random token.
import { spawn } from 'node:child_process'
import { existsSync, statSync } from 'node:fs'
import { resolve } from 'node:path'
import { integerOption, parseCommandArgs, UsageError } from '../args'
import type { Command } from '../command'

export const defaultPort = 7450

function allowedFolders(dirs: readonly string[] | undefined): string[] {
  return (dirs ?? [process.cwd()]).map((dir) => {
    const path = resolve(dir)
    if (!existsSync(path) || !statSync(path).isDirectory()) throw new UsageError(`--allow expects a folder, got '${dir}'`)
    return path
  })
}

/** Opens `url` in the user's browser; failures only print a note (the URL is printed anyway). */
function openBrowser(url: string): void {
  const [command, args] =
    process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '', url]] : ['xdg-open', [url]]
  spawn(command, args, { stdio: 'ignore', detached: true })
    .on('error', () => console.error(`flowmo serve: could not start ${command}; open the URL yourself`))
    .unref()
}

function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((done) => {
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, () => done(signal))
  })
}

export const serve: Command = {
  name: 'serve',
  summary: 'web mode: serve the app to a browser (token-protected), with the engine in a supervised process',
  usage: [
    'flowmo serve [--port <p>] [--host <h>] [--allow <dir>]… [--open]',
    '',
    'Serves the built app (out/renderer; rebuilt first when missing or older than its sources) and a',
    'WebSocket carrying the engine protocol. Prints the URL to open, with a random access token; requests',
    'without it are refused. The engine runs in a child process and is restarted if it crashes.',
    '',
    `  --port <p>     TCP port (default ${defaultPort}; 0 picks a free one)`,
    '  --host <h>     address to bind (default 127.0.0.1; 0.0.0.0 exposes it to other machines: token still required)',
    '  --allow <dir>  a folder the app may read files from (repeatable; default: the current folder)',
    '  --open         open the URL in the default browser',
  ].join('\n'),
  async run(argv) {
    const { values } = parseCommandArgs(argv, {
      port: { type: 'string' }, host: { type: 'string' }, allow: { type: 'string', multiple: true }, open: { type: 'boolean' },
    })
    const port = integerOption(values.port, 'port', { min: 0, max: 65_535 }) ?? defaultPort
    const host = values.host ?? '127.0.0.1'
    const allowRoots = allowedFolders(values.allow)
    const { exposureWarning, startWebMode } = await import('../../server/web-mode') // lazy: `flowmo --help` stays instant
    const log = (line: string) => console.log(`flowmo serve: ${line}`)
    const warning = exposureWarning(host)
    if (warning) console.error(`flowmo serve: ${warning}`)
    const web = await startWebMode({ port, host, allowRoots, log })
    console.log(`FlowMo Studio web mode: open ${web.server.url}`)
    log(`the app may read files in ${allowRoots.join(', ')} and the bundled resources; Ctrl+C stops`)
    if (values.open) openBrowser(web.server.url)
    const signal = await untilSignal()
    log(`${signal}: stopping`)
    await web.close()
    return 0
  },
}
