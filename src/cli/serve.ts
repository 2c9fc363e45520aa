import type { Command } from 'commander';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('start the gateway (demo mode unless GATEWAY_MODE=production)')
    .action(async () => {
      const { startGateway } = await import('../main.js');
      await startGateway();
    });
}
