#!/usr/bin/env -S npx tsx
import { createGrowthloopApp } from '../lib/app';

createGrowthloopApp().app.synth();
