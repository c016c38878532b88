import { createRoot } from 'react-dom/client';
import '@xyflow/react/dist/style.css';
import './editor.css';
import { App } from './App.tsx';

createRoot(document.getElementById('root')!).render(<App />);
