// Its own file so that apps without tabs do not register vscode-tabs, -tab-header and -tab-panel.
import VscodeTabHeader from '@vscode-elements/react-elements/dist/components/VscodeTabHeader.js';
import VscodeTabPanel from '@vscode-elements/react-elements/dist/components/VscodeTabPanel.js';
import VscodeTabs from '@vscode-elements/react-elements/dist/components/VscodeTabs.js';
import type { ReactNode } from 'react';

/** Tabs with one panel each; only the active panel's content is rendered. */
export function Tabs<T extends string>(props: {
  tabs: Array<{ id: T; label: string }>;
  active: T;
  onChange: (id: T) => void;
  testIdPrefix: string;
  className?: string;
  children: ReactNode;
}) {
  const { tabs, active, onChange, testIdPrefix, className, children } = props;
  const index = Math.max(0, tabs.findIndex((t) => t.id === active));
  return (
    <VscodeTabs
      className={className}
      selectedIndex={index}
      onVscTabsSelect={(e) => {
        const next = tabs[(e as CustomEvent<{ selectedIndex: number }>).detail.selectedIndex];
        if (next) onChange(next.id);
      }}
    >
      {tabs.map((t) => (
        <VscodeTabHeader key={`h-${t.id}`} slot="header" data-testid={`${testIdPrefix}-${t.id}`}>
          {t.label}
        </VscodeTabHeader>
      ))}
      {tabs.map((t) => (
        <VscodeTabPanel key={`p-${t.id}`} data-testid={`${testIdPrefix}panel-${t.id}`}>
          {t.id === active ? children : null}
        </VscodeTabPanel>
      ))}
    </VscodeTabs>
  );
}
