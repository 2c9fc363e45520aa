export async function startGateway(): Promise<void> { throw new Error("not yet"); }
