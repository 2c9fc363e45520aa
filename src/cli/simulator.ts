import type { Command } from 'commander';

/** `epj-gateway simulator`: placeholder until the NHN simulator lands. */
export function registerSimulator(_program: Command): void {}
