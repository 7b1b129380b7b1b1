package config

import (
	"fmt"
	"sort"
)

// Robot is a stored group robot (`wwcli webhook add NAME`). The config file
// only says that it exists and where its key is; the key itself is a
// secret in the keyring (or the opt-in secrets file), like app secrets.
type Robot struct {
	SecretStorage string `json:"secret_storage"`
}

// RobotAccount is the credstore account of a robot's key. ':' cannot
// appear in a profile name, so it never meets a profile's accounts.
func RobotAccount(name string) string { return "webhook:" + name }

// ValidRobotName checks a robot name: the same rule as profile names.
func ValidRobotName(name string) error {
	if ValidProfileName(name) != nil {
		return fmt.Errorf("invalid robot name %q: use 1-64 letters, digits, '.', '_' or '-'", name)
	}
	return nil
}

// RobotNames returns the stored robots' names, sorted.
func (c *Config) RobotNames() []string {
	names := make([]string, 0, len(c.Robots))
	for n := range c.Robots {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// SetRobot records that robot name's key is kept in storage.
func (c *Config) SetRobot(name, storage string) {
	if c.Robots == nil {
		c.Robots = map[string]*Robot{}
	}
	c.Robots[name] = &Robot{SecretStorage: storage}
}
