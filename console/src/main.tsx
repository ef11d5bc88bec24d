import '@mantine/core/styles.css';
import { MantineProvider } from '@mantine/core';
import { createRoot } from 'react-dom/client';
import { App } from './app';
import { I18nProvider } from './i18n/i18n';

createRoot(document.getElementById('root') as HTMLElement).render(
  <MantineProvider>
    <I18nProvider>
      <App />
    </I18nProvider>
  </MantineProvider>,
);
