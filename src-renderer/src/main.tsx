// The base styles first: each feature's own styles (imported with its section) come after them.
import './styles.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App';
import { installStyleAdoption } from './app/styleAdoption';

installStyleAdoption();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
