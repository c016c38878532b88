import { defineOperation } from './define.ts';
import { hasPostExtract, slot } from './sharp-order.ts';
import { rgba } from './_internal/color.ts';

const side = (where: string) => ({ type: 'int' as const, default: 0, min: 0, max: 16384, unit: 'px', description: `Pixels added at the ${where}` });

export default defineOperation({
  name: 'extend',
  title: 'Extend',
  description: 'Pads the edges with a colour, or with copies of the edge pixels',
  icon: 'expand',
  category: 'transform',
  inputs: { input: { description: 'Image to pad' } },
  params: {
    top: side('top'),
    bottom: side('bottom'),
    left: side('left'),
    right: side('right'),
    background: { type: 'color', default: '#000000', description: "Padding colour for extend-with 'background'" },
    'extend-with': { type: 'enum', values: ['background', 'copy', 'repeat', 'mirror'], default: 'background', description: 'What fills the new pixels' },
  },
  outputSize: (input, p) => ({
    width: input.width + (p.left as number) + (p.right as number),
    height: input.height + (p.top as number) + (p.bottom as number),
  }),
  sharp: {
    slot: (before) => (hasPostExtract(before) ? -1 : slot.extend),
    apply: (pipe, p) => pipe.extend({
      top: p.top as number, bottom: p.bottom as number, left: p.left as number, right: p.right as number,
      background: rgba(p.background as string), extendWith: p['extend-with'] as 'background',
    }),
  },
});
