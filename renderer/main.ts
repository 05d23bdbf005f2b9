/**
 * Renderer entry: connects to the core (Electron IPC or loopback HTTP), builds the state
 * and mounts the app.
 */
import { mount } from 'svelte';
import { connectToStudio } from './api/connect';
import App from './App.svelte';
import { createStudio } from './app/studio';
import './styles/theme.css';

// Read before the token is taken out of the address bar (the flag itself stays).
const testMode = new URLSearchParams(window.location.search).get('test') === '1';
const studio = createStudio(connectToStudio());

if (import.meta.env.DEV || testMode) {
  window.__studio = studio;
}

const target = document.getElementById('app');
if (!target) {
  throw new Error('index.html has no #app element');
}
mount(App, { target, props: { studio } });
