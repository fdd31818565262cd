/** How every CLI command reports: a human text on a terminal, one JSON document with `--json`. */
import { stringifyJson } from '../../lib/domain/json';

export interface CommandResult {
  /** 0 ok, 1 compliance violation found, 2 bad input (DESIGN.md). */
  readonly exitCode: number;
  /** What `--json` prints. */
  readonly json: unknown;
  /** What a person sees. */
  readonly text: string;
  /**
   * Work left once the result is printed (`steward query --local`: closing the query's audit run). The command
   * exits after it; when it fails, its message goes to stderr and the exit code is 1 (the printed result stands).
   */
  readonly after?: () => Promise<void>;
}

export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Whether stdout is a terminal (tables and colours only then). */
  readonly isTty: boolean;
  /** Whether stderr is a terminal (progress lines only then); default: isTty. */
  readonly stderrIsTty?: boolean;
}

export const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  stderr: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
  isTty: Boolean(process.stdout.isTTY),
  stderrIsTty: Boolean(process.stderr.isTTY),
};

export function printResult(io: CliIo, result: CommandResult, json: boolean): void {
  io.stdout(json ? stringifyJson(result.json, 2) : result.text);
}
