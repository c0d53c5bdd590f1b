import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Role, Specialty } from '../lib/shared/schema';
import { draftCommands } from './cli/drafts';
import { openStore, type Store } from './store';
import { createToken, revokeToken } from './tokens';

export { createToken, revokeToken } from './tokens';

/** A CLI command: gets the remaining argv and an opened store; prints to stdout only what it promises. */
export interface CliCommand {
  usage: string;
  run(
    args: string[],
    ctx: { store: () => Promise<Store>; out: (s: string) => void; err: (s: string) => void },
  ): Promise<number>;
}

const tokensCreate: CliCommand = {
  usage: 'tokens create --user <id> --role <role> [--name <display name>] [--specialty pricing|legal|competitor]',
  async run(args, { store, out, err }) {
    const { values } = parseArgs({
      args,
      options: {
        user: { type: 'string' },
        role: { type: 'string' },
        name: { type: 'string' },
        specialty: { type: 'string', multiple: true },
      },
      strict: true,
    });
    const role = Role.safeParse(values.role);
    if (!values.user || !role.success) {
      err(`usage: ${this.usage}\nroles: ${Role.options.join(', ')}`);
      return 2;
    }
    const specialties = (values.specialty ?? []).flatMap((s) => s.split(','));
    for (const s of specialties)
      if (!Specialty.safeParse(s).success) {
        err(`unknown specialty "${s}" (${Specialty.options.join(', ')})`);
        return 2;
      }
    const created = await createToken(await store(), {
      user: values.user,
      role: role.data,
      name: values.name,
      specialty: specialties as Specialty[],
    });
    out(created.token);
    return 0;
  },
};

const tokensRevoke: CliCommand = {
  usage: 'tokens revoke <token-or-token-id>',
  async run(args, { store, out, err }) {
    const target = args[0];
    if (!target) {
      err(`usage: ${this.usage}`);
      return 2;
    }
    const ok = await revokeToken(await store(), target);
    if (!ok) {
      err('no such token');
      return 1;
    }
    out('revoked');
    return 0;
  },
};

/**
 * Command table: "<group> <name>" → command. To add commands, add lines here
 * (e.g. `...draftCommands` from './cli/drafts' for `drafts simulate|import`).
 */
export const COMMANDS: Record<string, CliCommand> = {
  'tokens create': tokensCreate,
  'tokens revoke': tokensRevoke,
  ...draftCommands,
};

export async function runCli(argv: string[], io = { out: console.log, err: console.error }): Promise<number> {
  const key = argv.slice(0, 2).join(' ');
  const cmd = COMMANDS[key];
  if (!cmd) {
    io.err(
      `usage: npm run -s cli -- <command>\n${Object.values(COMMANDS)
        .map((c) => `  ${c.usage}`)
        .join('\n')}`,
    );
    return 2;
  }
  let opened: Store | undefined;
  try {
    return await cmd.run(argv.slice(2), {
      store: async () => {
        opened ??= await openStore(process.env.DATABASE_URL);
        return opened;
      },
      out: io.out,
      err: io.err,
    });
  } catch (e) {
    io.err(e instanceof Error ? e.message : String(e));
    return 1;
  } finally {
    await opened?.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runCli(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
