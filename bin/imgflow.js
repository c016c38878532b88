#!/usr/bin/env node
// The sources are TypeScript run through tsx: register its loader, then start the CLI.
import { register } from 'tsx/esm/api';

register();
await import('./cli.ts');
