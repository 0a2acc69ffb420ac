import './styles/base.css';
import './styles/start.css';
import './styles/chat.css';
import './styles/transcript.css';
import './styles/history.css';
import { startRenderer } from './start';

// The entry point: the one module that acts on load.
const container = document.getElementById('root');
if (container) startRenderer(container);
