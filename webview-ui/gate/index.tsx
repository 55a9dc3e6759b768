import './gate.css';
import { mountApp } from '../shared/mount';
import { GateApp } from './GateApp';

mountApp(GateApp);
