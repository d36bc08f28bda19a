// The texts of `hooks --help` and `hooks <command> --help`.
import { profileNames } from "./profiles";

const COMMON = `  --scheme <name>     ${profileNames.join("|")}
  --secret <s>        the signing secret (or set HOOKS_SECRET, which keeps it out of shell history)
  --json              machine-readable output
  --help              this text`;

const EVENT = `  <type>              the type your receiver sees (default: the sample's, below)
                        github:  <x-github-event>.<action>, e.g. issues.opened; push has no action
                        shopify: the topic, e.g. orders/create (the same as --event)
                        others:  the body's type, e.g. invoice.paid
  --event E           github: the x-github-event header (issues); shopify: the topic (orders/create).
                      Required there with --body or --file: the body does not say. Not for other schemes.
  --data JSON         what your handler gets as event.data, put where the provider puts it:
                      github, shopify: the whole body; stripe: {"object":{…}}; slack: the inner event;
                      vastai, groq, standard-webhooks: the body's data
  --body TEXT         the exact body, sent unchanged (no envelope, no re-serialising)
  --file F            the exact body from file F, sent unchanged
  --id ID             the event id: github x-github-delivery, shopify x-shopify-event-id,
                      standard-webhooks webhook-id, others the body's id (default: a fresh one)
  --created S         unix seconds the event was created, in the body (default: now; with --id, a
                      second derived from the id alone, so the same --id always sends the same bytes)
  --header k=v        add or replace a header after signing (repeatable)`;

const SAMPLES = `Without --data, --body or --file the provider's sample is sent: github issues.opened, shopify
orders/create, stripe invoice.paid, slack app_mention, vastai instance.ready, groq batch.completed,
standard-webhooks user.created. A <type> of your own changes only the type (and GitHub's action).`;

export const HELP: Record<string, string> = {
  main: `hooks: sign webhook deliveries as providers send them, send them, audit a receiver, and re-drive dead letters.

usage:
  hooks sign  [<type>] --scheme <name> [--event E] [--data JSON | --body TEXT | --file F] [--id ID] [--header k=v]
  hooks send  [<type>] --url <u> --scheme <name> [--event E] [--data JSON | --body TEXT | --file F] [--id ID]
              [--repeat N] [--concurrency C] [--header k=v]
  hooks audit --url <u> --scheme <name> [--type T] [--max-body-bytes B] [--timeout-ms MS]
  hooks dead-letters --redis-url <url> [--queue <name>] [--prefix <p>] [--redrive <key> | --redrive-all]
  hooks --version

Run \`hooks <command> --help\` for details. The secret comes from --secret or HOOKS_SECRET.
Without a local install, run it as \`npx @hooks/cli <command> …\` (\`npx hooks\` is an unrelated package).`,
  sign: `hooks sign: print the headers a provider sends with a delivery, and a ready curl line.

usage: hooks sign [<type>] --scheme <name> [--event E] [--data JSON | --body TEXT | --file F] [--id ID] [--url U]
${EVENT}
  --url U             the URL in the curl line (default http://localhost:3000/webhooks)
  --timestamp S       unix seconds to sign with (default now)
${COMMON}

${SAMPLES}`,
  send: `hooks send: send signed deliveries of one event, as the provider would, and report status and latency.

usage: hooks send [<type>] --url <u> --scheme <name> [--event E] [--data JSON | --body TEXT | --file F]
                  [--id ID] [--repeat N] [--concurrency C]
${EVENT}
  --repeat N          send the same delivery N times, as a retrying sender would (default 1)
  --concurrency C     how many are in flight at once (default 1)
  --timeout-ms MS     per delivery (default 10000)
${COMMON}

${SAMPLES}

Exits 1 when any delivery was not accepted: a 4xx, a 5xx, or no answer within --timeout-ms.
409 in_progress for a copy racing another copy of the event is fine once one copy got a 2xx.`,
  audit: `hooks audit: attack a receiver with named cases and report which ones it got wrong.

usage: hooks audit --url <u> --scheme <name> [--type T] [--max-body-bytes B] [--timeout-ms MS]
  --type T            event type of the deliveries (default audit.ping)
  --max-body-bytes B  the receiver's body limit; the oversized case sends twice this (default 1048576)
  --timeout-ms MS     how long a case may take before it counts as a hang (default 10000)
${COMMON}

A valid delivery goes first. When it is not accepted, the audit stops there ("the valid delivery was
refused (wrong secret or URL?)") and exits 1: a receiver that refuses everything proves nothing.
Then every attack must be refused with a 4xx, never a 5xx or a hang. Exits 1 when any case failed.
Each case is explained in the @hooks/cli README.`,
  "dead-letters": `hooks dead-letters: list the dead letters of a @hooks/bullmq queue, and re-drive them.

usage: hooks dead-letters --redis-url <url> [--queue <name>] [--prefix <p>] [--redrive <key> | --redrive-all]
  --redis-url <url>   the queue's Redis, e.g. redis://127.0.0.1:6379 (default: REDIS_URL)
  --queue <name>      the BullMQ queue name (default hooks-events)
  --prefix <p>        BullMQ's key prefix, if the queue was given one (default bull)
  --redrive <key>     put one dead letter back for a fresh set of attempts: its event key, e.g. stripe:evt_1
  --redrive-all       put every dead letter back
  --timeout-ms MS     how long Redis may take to answer (default 10000)
  --json              machine-readable output
  --help              this text

Without --redrive or --redrive-all, lists the newest 100 dead letters. Needs @hooks/bullmq and bullmq
installed next to @hooks/cli. Exits 1 when Redis does not answer or there is no such dead letter.`,
};
