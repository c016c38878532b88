declare module 'fbp' {
  const fbp: {
    parse(source: string, options?: { caseSensitive?: boolean }): unknown;
    serialize(graph: unknown): string;
  };
  export default fbp;
}
