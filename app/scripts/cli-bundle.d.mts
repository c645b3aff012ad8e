/** The path of the CLI bundle (app/main.ts), rebuilt first if one of its source files changed. */
export function cliBundle(): Promise<string>;
