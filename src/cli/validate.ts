import type { Command } from 'commander';

/** `epj-gateway validate FILE`: placeholder until the KITH layer lands. */
export function registerValidate(_program: Command): void {}
