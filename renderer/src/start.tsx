import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { hasBridge } from './bridge';
import { App } from './components/App';
import { connectToBridge } from './state/actions';
import { useChatStore } from './state/store';

/** Mounts the app into `container`; returns the function that unmounts it and unsubscribes. */
export function startRenderer(container: HTMLElement): () => void {
  let disconnect = () => {};
  if (hasBridge()) disconnect = connectToBridge();
  else useChatStore.setState({ fatalError: 'The bridge to the app (window.tincan) is missing. Open Tincan from its app, not a browser.' });
  const root = createRoot(container);
  root.render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
  return () => {
    root.unmount();
    disconnect();
  };
}
