/** The result shape shared by the Node device module (`node.ts`) and its browser stand-in. */
export interface NodeAdapterResult {
  adapter: GPUAdapter | null;
  attempts: string[];
  runtime: string;
}
