import type { Command } from 'commander';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('start the gateway (demo mode unless GATEWAY_MODE=production)')
    .action(async () => {
      const { startGateway } = await import('../main.js');
      // the demo's composition is loaded only in demo mode; the production image does not ship it
      await startGateway(async () => (await import('../../demo/compose-demo.js')).demoCompose);
    });
}
