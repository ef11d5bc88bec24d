// placeholder until the handler lands
export const handler = async (): Promise<unknown> => ({});
