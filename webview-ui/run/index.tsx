import './run.css';
import { mountApp } from '../shared/mount';
import { RunApp } from './RunApp';

mountApp(RunApp);
