import { describe, expect, it } from 'vitest';
import { jacobiCommonWGSL } from '../../shaders/common/jacobi.wgsl.js';
import { workgroupReduceWGSL } from '../../shaders/common/workgroup-reduce.wgsl.js';

// Text checks of the shared WGSL pieces (cheap codegen-drift guards). The kernels that include them
// run against float64 references in test/linalg (reduce, gemv), test/eig (Krylov norms, Jacobi) and
// test/sde (ensemble statistics), which is what shows the generated code is right.
describe('shared WGSL pieces', () => {
  it('the workgroup tree reduction halves the stride between barriers and folds with the given step', () => {
    const code = workgroupReduceWGSL({ size: 'WG', lid: 'i', indent: '', combine: (into, from) => `acc[${into}] = max(acc[${into}], acc[${from}]);` });
    expect(code).toBe([
      'workgroupBarrier();',
      'for (var stride = WG / 2u; stride > 0u; stride /= 2u) {',
      '  if (i < stride) { acc[i] = max(acc[i], acc[i + stride]); }',
      '  workgroupBarrier();',
      '}',
    ].join('\n'));
    expect(workgroupReduceWGSL({ size: 'WG_SIZE', combine: () => 's;' }).split('\n').every((l) => l.startsWith('  '))).toBe(true);
  });

  it('the Jacobi piece defines the rotation, its application and the descending rank once', () => {
    for (const fn of ['fn jacobi_rotation(', 'fn jacobi_rotate(', 'fn jacobi_descending_rank(']) {
      expect(jacobiCommonWGSL.split(fn)).toHaveLength(2);
    }
  });
});
