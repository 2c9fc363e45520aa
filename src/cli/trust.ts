import type { Command } from 'commander';

/** `epj-gateway cert …` and `epj-gateway cms …`: placeholder until the trust layer lands. */
export function registerTrust(_program: Command): void {}
