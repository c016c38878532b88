import { defineOperation } from './define.ts';

export default defineOperation({
  name: 'nop',
  title: 'No Operation',
  description: 'Passes the image through unchanged; a handle to export a port or fan an image out',
  icon: 'arrow-right',
  category: 'misc',
  inputs: { input: { description: 'Image' } },
  params: {},
  passthrough: true,
});
