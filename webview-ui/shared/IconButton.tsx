// Its own file so that apps without toolbar buttons do not register vscode-toolbar-button.
import VscodeToolbarButton from '@vscode-elements/react-elements/dist/components/VscodeToolbarButton.js';
import type { MouseEvent } from 'react';

/** An icon-only toolbar action (close, previous/next match); `label` is its accessible name. */
export function IconButton(props: { testId: string; icon: string; label: string; onClick: (e: MouseEvent<HTMLElement>) => void }) {
  const { testId, icon, label, onClick } = props;
  return <VscodeToolbarButton data-testid={testId} icon={icon} label={label} title={label} onClick={onClick} />;
}
